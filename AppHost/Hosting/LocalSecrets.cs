using System.Security.Cryptography;

namespace Finqware.AppHost.Hosting;

/// <summary>Random secrets the AppHost generates once per state directory (files readable by their owner only).</summary>
public static class LocalSecrets
{
    private static readonly Lock Gate = new();

    public static string Directory(string stateDirectory) => Path.Combine(stateDirectory, "secrets");

    public static string GetOrCreate(string stateDirectory, string name) =>
        GetOrCreate(stateDirectory, name, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>
    /// A P-256 key pair kept as its private key (base64 PKCS#8) in <paramref name="name"/>: the private half, or the public
    /// one (base64 SubjectPublicKeyInfo), for the two services that hold either.
    /// </summary>
    public static string GetOrCreateKeyPair(string stateDirectory, string name, bool publicHalf)
    {
        var privateKey = GetOrCreate(stateDirectory, name, () =>
        {
            using var pair = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            return Convert.ToBase64String(pair.ExportPkcs8PrivateKey());
        });
        if (!publicHalf)
        {
            return privateKey;
        }

        using var key = ECDiffieHellman.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    private static string GetOrCreate(string stateDirectory, string name, Func<string> create)
    {
        lock (Gate)
        {
            var folder = Directory(stateDirectory);
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return File.ReadAllText(path).Trim();
            }

            System.IO.Directory.CreateDirectory(folder);
            var value = create();
            File.WriteAllText(path, value);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return value;
        }
    }
}
