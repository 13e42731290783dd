using System.Globalization;
using Finqware.AppHost.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Finqware.AppHost.Telemetry;

/// <summary>
/// The JSON behind the traces, structured logs and metrics pages (docs/dashboard.md), for the pages, tests and scripts.
/// Query values are checked here so that a bad one is a 400 problem document with its code, never a 5xx.
/// </summary>
public static class TelemetryApi
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static RouteGroupBuilder MapTelemetryApi(this RouteGroupBuilder api, TelemetryStore store)
    {
        api.MapGet("/traces", (string? resource, string? min_duration_ms, string? error, string? limit) => ListTraces(store, resource, min_duration_ms, error, limit));
        api.MapGet("/traces/{traceId}", (string traceId) => GetTrace(store, traceId));
        api.MapGet("/logs", (string? resource, string? level, string? text, string? trace_id, string? after, string? limit) =>
            ListLogs(store, resource, level, text, trace_id, after, limit));
        api.MapGet("/metrics", () => TypedResults.Ok(store.Instruments()));
        api.MapGet("/metrics/{resource}/{instrument}", (string resource, string instrument) => GetSeries(store, resource, instrument));
        api.MapGet("/telemetry", () => TypedResults.Ok(store.Stats()));
        return api;
    }

    private static Results<Ok<IReadOnlyList<TraceSummary>>, ProblemHttpResult> ListTraces(
        TelemetryStore store, string? resource, string? minDuration, string? error, string? limit)
    {
        double? minimum = null;
        if (!string.IsNullOrEmpty(minDuration))
        {
            if (!double.TryParse(minDuration, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || parsed < 0 || !double.IsFinite(parsed))
            {
                return Bad("INVALID_MIN_DURATION", "min_duration_ms must be a number of milliseconds, 0 or more.");
            }

            minimum = parsed;
        }

        bool? failed = null;
        if (!string.IsNullOrEmpty(error))
        {
            if (!bool.TryParse(error, out var parsed))
            {
                return Bad("INVALID_ERROR_FILTER", "error must be true or false.");
            }

            failed = parsed;
        }

        if (Limit(limit) is not { } count)
        {
            return Bad("INVALID_LIMIT", $"limit must be a whole number from 1 to {MaxLimit}.");
        }

        return TypedResults.Ok(store.Traces(Empty(resource), minimum, failed, count));
    }

    private static Results<Ok<TraceDetail>, ProblemHttpResult> GetTrace(TelemetryStore store, string traceId)
    {
        if (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigit))
        {
            return Bad("INVALID_TRACE_ID", "A trace id is 32 hexadecimal digits.");
        }

        return store.Trace(traceId.ToLowerInvariant()) is { } trace
            ? TypedResults.Ok(trace)
            : DashboardProblems.Create(StatusCodes.Status404NotFound, "TRACE_NOT_FOUND", $"No trace {traceId} is held (it may have been dropped to stay within the limits).");
    }

    private static Results<Ok<IReadOnlyList<LogRecordView>>, ProblemHttpResult> ListLogs(
        TelemetryStore store, string? resource, string? level, string? text, string? traceId, string? after, string? limit)
    {
        int? minimum = null;
        if (!string.IsNullOrEmpty(level))
        {
            if (OtlpReceiver.SeverityOf(level) is not { } severity)
            {
                return Bad("INVALID_LEVEL", "level must be one of trace, debug, information, warning, error, critical.");
            }

            minimum = severity;
        }

        long? since = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Bad("INVALID_AFTER", "after must be the sequence number of a log record.");
            }

            since = parsed;
        }

        if (!string.IsNullOrEmpty(traceId) && (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigit)))
        {
            return Bad("INVALID_TRACE_ID", "A trace id is 32 hexadecimal digits.");
        }

        if (Limit(limit) is not { } count)
        {
            return Bad("INVALID_LIMIT", $"limit must be a whole number from 1 to {MaxLimit}.");
        }

        return TypedResults.Ok(store.Logs(Empty(resource), minimum, Empty(text), Empty(traceId), since, count));
    }

    private static Results<Ok<InstrumentSeries>, ProblemHttpResult> GetSeries(TelemetryStore store, string resource, string instrument) =>
        store.Series(resource, instrument) is { } series
            ? TypedResults.Ok(series)
            : DashboardProblems.Create(StatusCodes.Status404NotFound, "METRIC_NOT_FOUND", $"{resource} has sent no instrument named '{instrument}'.");

    private static int? Limit(string? limit) =>
        string.IsNullOrEmpty(limit) ? DefaultLimit
        : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= MaxLimit ? parsed
        : null;

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static ProblemHttpResult Bad(string code, string title) => DashboardProblems.Create(StatusCodes.Status400BadRequest, code, title);
}
