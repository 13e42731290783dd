using System.Text.Json;
using System.Text.Json.Nodes;

namespace Finqware.Portal.Sandbox;

/// <summary>The curl lines that do what the wizard does at each step, as docs/sessions.md shows them ($API_TOKEN: the app's).</summary>
public static class Curl
{
    // Razor encodes the text it writes: the relaxed encoder keeps "+" and quotes readable in it.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Open(string gateway, string clientId, string skill) =>
        $"curl -s -X POST \"{gateway}/sessions\" -H 'Content-Type: application/json' \\\n  -d '{Json(new JsonObject { ["client_id"] = clientId, ["client_app_key"] = "YOUR_CLIENT_APP_KEY", ["skill"] = skill })}'";

    public static string Submit(string gateway, WizardState state, string step, JsonNode data) =>
        $"curl -s -X POST \"{gateway}/sessions/{state.SessionId}/steps\" -H 'Content-Type: application/json' \\\n  -d '{Json(new JsonObject { ["client_id"] = state.ClientId, ["nonce"] = state.Nonce, ["skill"] = state.Skill, ["step"] = step, ["data"] = data.DeepClone() })}'";

    public static string Upload(string gateway, WizardState state, string stepId, string kind) =>
        $"curl -s -X POST \"{gateway}/steps/{stepId}/upload\" \\\n  -F client_id=\"{state.ClientId}\" -F nonce=\"{state.Nonce}\" -F kind={kind} -F file=@{kind}.png";

    public static string Follow(string gateway, string sessionId, string stepId) =>
        $"curl -s \"{gateway}/sessions/{sessionId}/steps/{stepId}?wait=30\" -H \"Authorization: Bearer $API_TOKEN\"";

    private static string Json(JsonNode node) => node.ToJsonString(Indented).Replace("'", "'\\''", StringComparison.Ordinal);
}
