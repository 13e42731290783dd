namespace Finqware.SessionService.Skills;

/// <summary>A connector's message from a broker user that is not the skill's connector: to the error queue at once.</summary>
public sealed class ForeignConnectorException(string message) : PermanentMessageException(message);
