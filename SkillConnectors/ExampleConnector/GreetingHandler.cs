using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.ExampleConnector;

public sealed class GreetingHandler : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var name = step.DataString("name");
        return Task.FromResult(name == "nobody"
            ? StepOutcome.Failed("NAME_REFUSED", "The echo skill does not greet nobody.")
            : StepOutcome.Completed(new { Greeting = $"Hello, {name}!" }));
    }
}
