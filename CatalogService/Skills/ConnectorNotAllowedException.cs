namespace Finqware.CatalogService.Skills;

/// <summary>An announcement from a connector not allowed to make it; its message goes to the error queue at once.</summary>
public sealed class ConnectorNotAllowedException(string skillId, string reason)
    : PermanentMessageException($"Announcement of '{skillId}' refused: {reason}");
