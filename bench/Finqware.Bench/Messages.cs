namespace Finqware.Bench;

/// <summary>The bare MassTransit baseline's request and response (MassTransit needs namespaced types).</summary>
public sealed record Ping
{
    public required int Id { get; init; }
}

public sealed record Pong
{
    public required int Id { get; init; }
}
