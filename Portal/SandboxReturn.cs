namespace Finqware.Portal;

/// <summary>Where the sandbox bank's SCA page sends the user back to: the wizard's return page, registered on sandbox apps.</summary>
public static class SandboxReturn
{
    public const string Path = "/portal/sandbox/return";

    public static string Url(PortalOptions options) => new Uri(options.PublicBaseUrl!, Path).ToString();
}
