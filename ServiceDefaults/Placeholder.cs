namespace Finqware.ServiceDefaults; internal static class Placeholder;
