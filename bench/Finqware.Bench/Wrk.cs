using System.Diagnostics;
using System.Globalization;

namespace Finqware.Bench;

/// <summary>
/// Drives a request rate with wrk (Debian's <c>wrk</c>), a load generator in C: the counterpart of pgbench for the HTTP
/// side, so that neither baseline nor measurement pays for a heavy client on the same cores.
/// </summary>
internal sealed class Wrk(string path)
{
    public static Wrk? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(folder => Path.Combine(folder, "wrk"))
            .Where(File.Exists)
            .Select(file => new Wrk(file))
            .FirstOrDefault();

    /// <summary>
    /// POSTs <paramref name="json"/> to <paramref name="url"/> over <paramref name="connections"/> keep-alive connections
    /// for <paramref name="seconds"/> and returns the requests per second; any answer but 2xx fails the measurement.
    /// </summary>
    public Task<double> RateAsync(Uri url, string json, int connections, int seconds) => RunAsync(url, $$"""
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        wrk.body = [==[{{json}}]==]
        """, connections, seconds);

    /// <summary>GETs <paramref name="url"/> with <paramref name="authorization"/>, as <see cref="RateAsync(Uri, string, int, int)"/> POSTs.</summary>
    public Task<double> GetRateAsync(Uri url, string authorization, int connections, int seconds) => RunAsync(url, $$"""
        wrk.headers["Authorization"] = "{{authorization}}"
        """, connections, seconds);

    private async Task<double> RunAsync(Uri url, string request, int connections, int seconds)
    {
        var file = Path.Combine(Path.GetTempPath(), $"finqware-wrk-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(file, $$"""
            {{request}}
            done = function(summary, latency, requests)
              io.write(string.format("non2xx %d\nerrors %d\n", summary.errors.status,
                summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
            end
            """);
        try
        {
            var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "-s", file, url.ToString() })
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            string Value(string name) => output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(name, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            if (int.Parse(Value("non2xx"), CultureInfo.InvariantCulture) > 0 || int.Parse(Value("errors"), CultureInfo.InvariantCulture) > 0)
            {
                throw new InvalidOperationException($"wrk saw refused or failed requests against {url}:\n{output}");
            }

            return double.Parse(Value("Requests/sec:"), CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
