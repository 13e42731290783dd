namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A message that can never succeed (it is invalid, not unlucky): thrown by a consumer, it skips the retries and the
/// message goes straight to its <c>_error</c> queue.
/// </summary>
public class PermanentMessageException(string message) : Exception(message);
