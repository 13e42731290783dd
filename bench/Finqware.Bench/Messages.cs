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

/// <summary>The skeleton step (<see cref="SkeletonBench"/>): the service's command to its connector.</summary>
public sealed record SkeletonStep
{
    public required Guid StepId { get; init; }

    public required System.Text.Json.JsonElement Data { get; init; }
}

/// <summary>The skeleton step's outcome, published by its connector: the greeting it made of the step's data.</summary>
public sealed record SkeletonOutcome
{
    public required Guid StepId { get; init; }

    public required System.Text.Json.JsonElement Greeting { get; init; }
}
