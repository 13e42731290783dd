using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>The official file's examples, read from specs/ (not copied into the tests), as JSON.</summary>
public static class SpecExamples
{
    private static readonly Lazy<YamlMappingNode> Root = new(() =>
    {
        var yaml = new YamlStream();
        using var reader = File.OpenText(Path.Combine(PrismMock.RepositoryRoot, PrismMock.Specification));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    });

    /// <summary>The example <paramref name="name"/> of the 200/201 JSON answer of <paramref name="method"/> <paramref name="path"/>.</summary>
    public static JsonNode Response(string path, string method, string status, string name)
    {
        var response = Resolve(Node(Root.Value, "paths", path, method, "responses", status));
        var examples = Node(response, "content", "application/json", "examples");
        return ToJson(Resolve(Node(examples, name)) is YamlMappingNode example ? example["value"] : throw new InvalidOperationException(name))!;
    }

    private static YamlNode Node(YamlNode node, params string[] keys) =>
        keys.Aggregate(node, (current, key) => ((YamlMappingNode)Resolve(current)).Children[new YamlScalarNode(key)]);

    private static YamlNode Resolve(YamlNode node)
    {
        while (node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("$ref"), out var reference))
        {
            node = Node(Root.Value, ((YamlScalarNode)reference).Value!.TrimStart('#', '/').Split('/'));
        }

        return node;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}
