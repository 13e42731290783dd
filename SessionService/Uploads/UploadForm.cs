namespace Finqware.SessionService.Uploads;

/// <summary>The form fields of an upload that come before its file.</summary>
public sealed record UploadForm(string? ClientId, string? Nonce, string? Kind);
