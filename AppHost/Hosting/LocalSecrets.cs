using System.Security.Cryptography;

namespace Finqware.AppHost.Hosting;

/// <summary>Random secrets the AppHost generates once per state directory (files readable by their owner only).</summary>
public static class LocalSecrets
{
    private static readonly Lock Gate = new();

    public static string Directory(string stateDirectory) => Path.Combine(stateDirectory, "secrets");

    public static string GetOrCreate(string stateDirectory, string name)
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
            var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            File.WriteAllText(path, value);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return value;
        }
    }
}
