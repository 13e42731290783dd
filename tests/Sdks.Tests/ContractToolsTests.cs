namespace Finqware.Sdks.Tests;

/// <summary>
/// Third-party tools on the committed public document (sdks/openapi.json, which PublicContractTests keeps equal to the
/// gateway's /openapi/v1.json): Spectral with spectral:oas and the OWASP ruleset finds nothing, and the generators
/// produce exactly the committed SDK code.
/// </summary>
public sealed class ContractToolsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Spectral_with_the_oas_and_owasp_rulesets_finds_no_error_and_no_warning()
    {
        var (_, output, error) = await Tools.RunAsync(Tools.InRoot("tools", "node", "node_modules", ".bin", "spectral"),
            ["lint", "-r", ".spectral.yaml", "sdks/openapi.json", "-f", "json", "--quiet"], Tools.Root, Cancel);
        var start = output.IndexOf('[', StringComparison.Ordinal);
        Assert.True(start >= 0, $"Spectral printed no results:\n{output}\n{error}");
        var findings = JsonSerializer.Deserialize<JsonElement>(output[start..]).EnumerateArray()
            .Select(r => $"{r.GetProperty("code").GetString()} (severity {r.GetProperty("severity").GetInt32()}) at "
                + string.Join('.', r.GetProperty("path").EnumerateArray().Select(p => p.ToString())) + ": " + r.GetProperty("message").GetString())
            .ToList();
        Assert.True(findings.Count == 0, "Spectral: fix these, or turn a rule off in .spectral.yaml with the reason beside it:\n" + string.Join('\n', findings));
    }

    [Fact]
    public async Task The_committed_dotnet_client_is_what_kiota_generates_from_the_document()
    {
        using var scratch = new Scratch();
        var normalized = Path.Combine(scratch.Path, "openapi.json");
        await Tools.SucceedAsync("node", ["sdks/normalize.mjs", normalized], Tools.Root, Cancel);
        var output = Path.Combine(scratch.Path, "Generated");
        await Tools.SucceedAsync("dotnet", ["kiota", "generate", "-l", "CSharp", "-d", normalized, "-o", output, "-c", "FinqwareApiClient",
            "-n", "Finqware.Client.Generated", "--exclude-backward-compatible", "--clean-output", "--log-level", "Error"], Tools.Root, Cancel);
        File.Delete(Path.Combine(output, "kiota-lock.json"));

        var committed = Tools.InRoot("sdks", "dotnet", "Finqware.Client", "Generated");
        var stale = Differences(output, committed);
        Assert.True(stale.Count == 0, "sdks/dotnet/Finqware.Client/Generated is stale (run sdks/generate.sh --offline):\n" + string.Join('\n', stale.Take(20)));
    }

    [Fact]
    public async Task The_committed_typescript_types_are_what_openapi_typescript_generates_from_the_document()
    {
        using var scratch = new Scratch();
        var normalized = Path.Combine(scratch.Path, "openapi.json");
        await Tools.SucceedAsync("node", ["sdks/normalize.mjs", normalized], Tools.Root, Cancel);
        var generated = Path.Combine(scratch.Path, "schema.ts");
        await Tools.SucceedAsync(Tools.InRoot("sdks", "typescript", "node_modules", ".bin", "openapi-typescript"), [normalized, "-o", generated], Tools.Root, Cancel);

        Assert.True(await File.ReadAllTextAsync(generated, Cancel) == await File.ReadAllTextAsync(Tools.InRoot("sdks", "typescript", "src", "schema.ts"), Cancel),
            "sdks/typescript/src/schema.ts is stale (run sdks/generate.sh --offline).");
    }

    [Fact]
    public async Task The_typescript_sdk_builds_and_its_helpers_pass_their_tests()
    {
        var sdk = Tools.InRoot("sdks", "typescript");
        await Tools.SucceedAsync(Path.Combine(sdk, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], sdk, Cancel);
        var output = await Tools.SucceedAsync("node", ["--test", "test/"], sdk, Cancel);
        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(sdk, "dist", "index.d.ts")), "no type declarations were emitted");
    }

    private static List<string> Differences(string generated, string committed)
    {
        static Dictionary<string, string> Files(string root) => Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllText)
            : [];
        var a = Files(generated);
        var b = Files(committed);
        return [.. a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Where(file => !a.TryGetValue(file, out var x) || !b.TryGetValue(file, out var y) || x != y)
            .Select(file => a.ContainsKey(file) ? b.ContainsKey(file) ? $"differs: {file}" : $"missing: {file}" : $"not generated: {file}")];
    }

    private sealed class Scratch : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("finqware-sdks-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
