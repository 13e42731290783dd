using System.ComponentModel.DataAnnotations;

namespace Finqware.SessionService.Uploads;

/// <summary>The service's own limit on uploads (<see cref="UploadWorkflow"/>), validated at start.</summary>
public sealed class UploadOptions
{
    public const string Section = "Uploads";

    /// <summary>The largest file any step may take, whatever its manifest says; larger requests are cut off (413).</summary>
    [Range(1L, long.MaxValue, ErrorMessage = "Uploads:MaxBytes must be a positive number of bytes such as 20971520.")]
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;
}
