using System.IO.Compression;
using System.Reflection;
using System.Runtime.Loader;
using Finqware.Contracts.Sessions;

namespace Finqware.ConnectorKit.Tests;

/// <summary>
/// Contracts' build (ApiCompat against the baseline, Contracts.csproj) refuses a public type or member removed, renamed or
/// retyped. Two changes an older connector cannot follow pass it, and are checked here against the baseline's
/// Contracts.dll: a member that becomes required (a message an older connector sends without it is refused on
/// deserialisation), and a constant whose value changes (an outcome, a message kind: the older connector still sends or
/// expects the old one). Queue names and the wire itself are the version-skew test's.
/// </summary>
public sealed class ContractsCompatibilityTests(KitFeed kit)
{
    private const BindingFlags Instance = BindingFlags.Public | BindingFlags.Instance;
    private const BindingFlags Static = BindingFlags.Public | BindingFlags.Static;

    [Fact]
    public void No_member_becomes_required_and_no_constant_changes_its_value_since_the_baseline()
    {
        var context = new AssemblyLoadContext("baseline-contracts", isCollectible: true);
        try
        {
            var baseline = LoadBaseline(context);
            var current = typeof(StepProcessed).Assembly;
            Assert.NotSame(current, baseline);
            var problems = new List<string>();
            var compared = 0;
            foreach (var before in baseline.GetExportedTypes())
            {
                // A type or member that is gone is ApiCompat's to report, at build time.
                if (current.GetType(before.FullName!) is not { } now)
                {
                    continue;
                }

                compared++;
                foreach (var property in now.GetProperties(Instance).Where(IsRequired))
                {
                    if (before.GetProperty(property.Name, Instance) is not { } old || !IsRequired(old))
                    {
                        problems.Add($"{now.FullName}.{property.Name} is required, but not in {kit.BaselineVersion}: a message without it from an older connector is refused");
                    }
                }

                foreach (var constant in before.GetFields(Static).Where(f => f.IsLiteral))
                {
                    if (now.GetField(constant.Name, Static) is { IsLiteral: true } changed && !Equals(changed.GetRawConstantValue(), constant.GetRawConstantValue()))
                    {
                        problems.Add($"{now.FullName}.{constant.Name} is {changed.GetRawConstantValue()}, {constant.GetRawConstantValue()} in {kit.BaselineVersion}");
                    }
                }
            }

            Assert.True(compared >= 20, $"only {compared} types of the baseline compared: is it the Contracts package?");
            Assert.True(problems.Count == 0, string.Join('\n', problems));
        }
        finally
        {
            context.Unload();
        }
    }

    private Assembly LoadBaseline(AssemblyLoadContext context)
    {
        using var package = ZipFile.OpenRead(Path.Combine(kit.BaselineFeed, $"Finqware.Contracts.{kit.BaselineVersion}.nupkg"));
        using var dll = new MemoryStream();
        using (var entry = package.GetEntry("lib/net10.0/Contracts.dll")!.Open())
        {
            entry.CopyTo(dll);
        }

        dll.Position = 0;
        return context.LoadFromStream(dll);
    }

    private static bool IsRequired(PropertyInfo property) =>
        property.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.RequiredMemberAttribute");
}
