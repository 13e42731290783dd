namespace Finqware.SessionService.Uploads;

public sealed class UploadOptions
{
    public const string Section = "Uploads";

    /// <summary>The largest file any step may take, whatever its manifest says; larger requests are cut off (413).</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;
}
