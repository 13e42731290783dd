namespace Finqware.Contracts; internal static class Placeholder;
