using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// A guide under <c>docs/</c> run as written: its <c>```bash</c> blocks in order, each with <c>bash -euo pipefail</c> and
/// the guide's variables (<c>$FINQWARE</c>, <c>$API_TOKEN</c>…) in its environment, and the <c># save: NAME=field</c>
/// lines that carry a field of a block's JSON answer into the variables of the blocks after it.
/// </summary>
internal static partial class GuideBlocks
{
    /// <summary>The bash blocks of <c>docs/{guide}</c>, in order.</summary>
    public static async Task<List<string>> ReadAsync(SystemFixture system, string guide, CancellationToken cancel)
    {
        var markdown = await File.ReadAllTextAsync(Path.Combine(system.Host.Options.RepositoryRoot, "docs", guide), cancel);
        return BashBlock().Matches(markdown).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>Runs <paramref name="script"/>; fails the test, with its stderr, when bash exits non-zero; returns its stdout.</summary>
    public static async Task<string> RunAsync(string script, IReadOnlyDictionary<string, string> variables, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        info.ArgumentList.Add("-euo");
        info.ArgumentList.Add("pipefail");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var (name, value) in variables)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"bash exited {process.ExitCode} on:\n{script}\n{await stderr}");
        return await stdout;
    }

    /// <summary>
    /// A curl block's JSON answer, which must not be an error (no <c>error</c> or <c>code</c> member); the fields its
    /// <c># save:</c> lines name are stored in <paramref name="variables"/>.
    /// </summary>
    public static JsonElement Answer(string block, string output, Dictionary<string, string> variables)
    {
        var json = JsonSerializer.Deserialize<JsonElement>(output);
        Assert.False(json.ValueKind == JsonValueKind.Object && (json.TryGetProperty("error", out _) || json.TryGetProperty("code", out _)),
            $"The guide's block failed:\n{block}\n{output}");
        foreach (Match save in SaveLine().Matches(block))
        {
            foreach (var pair in save.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, field) = (pair.Split('=')[0], pair.Split('=')[1]);
                variables[name] = json.GetProperty(field).GetString()!;
            }
        }

        return json;
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex(@"# save: (.+)")]
    private static partial Regex SaveLine();
}
