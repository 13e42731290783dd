namespace Finqware.SessionService.RequestLog;

/// <summary>A page of the activity log, newest first; <c>next_cursor</c> reads on when <c>has_more</c>.</summary>
public sealed record ActivityPage(IReadOnlyList<ActivityEntry> Requests, string? NextCursor, bool HasMore);
