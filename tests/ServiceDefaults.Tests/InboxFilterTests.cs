using Finqware.ServiceDefaults.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Finqware.ServiceDefaults.Tests;

/// <summary>
/// The inbox filter on real RabbitMQ and PostgreSQL, with a consumer that counts what it applied: a copy delivered again
/// under the same message id changes nothing, and a consumer that fails leaves neither its change nor the inbox row, so
/// its retry applies the message once.
/// </summary>
public sealed class InboxFilterTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private IHost host = null!;
    private readonly Handled handled = new();

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["ConnectionStrings:counters"] = await postgres.CreateDatabaseAsync("inbox");
        builder.Configuration["ConnectionStrings:messaging"] = await rabbit.CreateVirtualHostAsync("inbox");
        builder.Configuration["Database:MigrateOnStart"] = "false";
        builder.AddServiceDatabase<CounterContext>("counters");
        builder.AddMessaging("test", bus => bus.AddConsumer<CountingConsumer, CountingConsumer.Definition>());
        builder.Services.AddSingleton(handled);
        host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<CounterContext>().Database.EnsureCreatedAsync(Cancel);
        }

        await host.StartAsync(Cancel);
        var bus = host.Services.GetRequiredService<IBusControl>();
        bus.ConnectConsumeMessageObserver(handled);
        // The host does not wait for the broker (AddMessaging): a message published before the queue is bound is lost.
        Assert.Equal(BusHealthStatus.Healthy, await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30)));
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync(CancellationToken.None);
        host.Dispose();
    }

    [Fact]
    public async Task A_copy_under_the_same_message_id_changes_nothing()
    {
        var messageId = Guid.NewGuid();
        await PublishAsync(new Count { Key = "twice" }, messageId);
        await PublishAsync(new Count { Key = "twice" }, messageId);
        await PublishAsync(new Count { Key = "other" }, Guid.NewGuid());

        await handled.WaitAsync(3);
        Assert.Equal(1, await CountAsync("twice"));
        Assert.Equal(1, await CountAsync("other"));
        Assert.Equal(1, await QueryAsync(db => db.Set<InboxMessage>().CountAsync(m => m.MessageId == messageId && m.Consumer == nameof(CountingConsumer))));
    }

    [Fact]
    public async Task A_failed_try_leaves_neither_its_change_nor_the_inbox_row_and_the_retry_applies_it_once()
    {
        var messageId = Guid.NewGuid();
        await PublishAsync(new Count { Key = "flaky", FailTries = 2 }, messageId);

        await handled.WaitAsync(1);
        Assert.Equal(1, await CountAsync("flaky"));
        Assert.Equal(3, handled.Tries("flaky"));
        Assert.Equal(1, await QueryAsync(db => db.Set<InboxMessage>().CountAsync(m => m.MessageId == messageId)));
    }

    private Task PublishAsync(Count message, Guid messageId) =>
        host.Services.GetRequiredService<IBus>().Publish(message, context => context.MessageId = messageId, Cancel);

    private Task<int> CountAsync(string key) =>
        QueryAsync(db => db.Counters.Where(c => c.Key == key).Select(c => c.Value).SingleOrDefaultAsync());

    private async Task<T> QueryAsync<T>(Func<CounterContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<CounterContext>());
    }

    /// <summary>Adds one to its key's counter; fails its first <see cref="Count.FailTries"/> tries after writing.</summary>
    public sealed class CountingConsumer(CounterContext db, Handled handled) : IConsumer<Count>
    {
        public sealed class Definition() : InboxConsumerDefinition<CountingConsumer, CounterContext>("test-counting");

        public async Task Consume(ConsumeContext<Count> context)
        {
            var key = context.Message.Key;
            var counter = await db.Counters.FindAsync([key], context.CancellationToken);
            if (counter is null)
            {
                db.Counters.Add(new Counter { Key = key, Value = 1 });
            }
            else
            {
                counter.Value++;
            }

            await db.SaveChangesAsync(context.CancellationToken);
            if (handled.Try(key) <= context.Message.FailTries)
            {
                throw new InvalidOperationException("This try fails after its write.");
            }
        }
    }

    /// <summary>Counts the copies the bus finished with (applied or dropped by the inbox) and each key's tries.</summary>
    public sealed class Handled : IConsumeMessageObserver<Count>
    {
        private readonly ConcurrentDictionary<string, int> tries = new();
        private int finished;

        public int Try(string key) => tries.AddOrUpdate(key, 1, (_, n) => n + 1);

        public int Tries(string key) => tries.GetValueOrDefault(key);

        public async Task WaitAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref finished) < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{finished} of {count} messages finished within 30 s.");
                await Task.Delay(50);
            }
        }

        public Task PreConsume(ConsumeContext<Count> context) => Task.CompletedTask;

        public Task PostConsume(ConsumeContext<Count> context)
        {
            Interlocked.Increment(ref finished);
            return Task.CompletedTask;
        }

        public Task ConsumeFault(ConsumeContext<Count> context, Exception exception) => Task.CompletedTask;
    }

    public sealed class CounterContext(DbContextOptions<CounterContext> options) : DbContext(options)
    {
        public DbSet<Counter> Counters => Set<Counter>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.AddOutboxAndInbox();
            modelBuilder.Entity<Counter>().HasKey(c => c.Key);
        }
    }

    public sealed class Counter
    {
        public required string Key { get; init; }

        public int Value { get; set; }
    }
}

public sealed record Count
{
    public required string Key { get; init; }

    public int FailTries { get; init; }
}
