namespace Finqware.Deploy.Tests;

/// <summary>
/// The Kubernetes API's JSON schemas (required fields, types, formats) as the npm package kubernetes-models compiles
/// them (schema/package.json, pinned; scripts/prereqs.sh runs npm ci), run by schema/validate.mjs under Node.
/// </summary>
public static class Schemas
{
    private static readonly string Folder = Path.Combine(Repository.Root, "tests", "Deploy.Tests", "schema");

    public static (bool Valid, string Report) Validate(IEnumerable<string> jsonObjects)
    {
        Assert.True(Directory.Exists(Path.Combine(Folder, "node_modules", "kubernetes-models")),
            "the schemas are not installed: run ./test.sh, or scripts/prereqs.sh's npm ci in tests/Deploy.Tests/schema");
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, "[" + string.Join(",", jsonObjects) + "]");
            var (exitCode, output, error) = Repository.Run("bash", ["-c", "node validate.mjs < \"$1\"", "validate", input], workingDirectory: Folder);
            return (exitCode == 0, output + error);
        }
        finally
        {
            File.Delete(input);
        }
    }
}
