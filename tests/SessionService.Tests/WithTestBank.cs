using Finqware.Testing;

namespace Finqware.SessionService.Tests;

/// <summary>
/// A test class's SessionService (<see cref="SessionHost"/>, on a database and virtual host of its own) with the test
/// bank as its only connector: the data APIs' tests.
/// </summary>
public abstract class WithTestBank(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    protected SessionHost Host { get; private set; } = null!;

    protected TestBank Bank { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await SessionHost.StartAsync(postgres, rabbit, withConnector: false);
        Bank = await TestBank.StartAsync(Host);
    }

    public async ValueTask DisposeAsync()
    {
        await Bank.DisposeAsync();
        await Host.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
