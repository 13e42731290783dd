using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>
/// A bank's AISP connector for the data API tests, on the real broker: it serves the bank skill's queue (the consent
/// step, RefreshConnection and RevokeConnection, which the SDK does not dispatch yet) and publishes the data events as a
/// connector does. The tests change what "the bank" holds and ask for a refresh, like a bank's data changing over time.
/// </summary>
public sealed class TestBank : IAsyncDisposable
{
    public const string Skill = "xyz_bank_sbx_#1.0";

    public static readonly SkillManifest Manifest = new()
    {
        SkillId = Skill, Provider = "xyz", DisplayName = "XYZ Bank accounts (sandbox)", Description = "Consent to read accounts and transactions.",
        Type = "aisp", Flavor = "sandbox", Version = "1.0", DataProducts = ["accounts", "balances", "transactions"],
        Steps =
        [
            new StepManifest
            {
                Name = "consent", Description = "Give consent.",
                DataSchema = StepManifest.Schema("""{"type":"object","properties":{"user":{"type":"string"}},"required":["user"],"examples":[{"user":"user_good"}]}"""),
            },
        ],
    };

    private readonly IBusControl bus;
    private readonly SessionHost host;

    private TestBank(IBusControl bus, SessionHost host)
    {
        this.bus = bus;
        this.host = host;
    }

    /// <summary>What the bank holds per consent; tests change it and then refresh.</summary>
    public ConcurrentDictionary<string, BankConsent> Consents { get; } = new();

    public ConcurrentQueue<RevokeConnection> Revocations { get; } = new();

    public ConcurrentQueue<RefreshConnection> Refreshes { get; } = new();

    /// <summary>When set, the next refresh is refused with this code.</summary>
    public string? FailNextRefreshWith { get; set; }

    /// <summary>Registers the skill with SessionService as the catalog would, heartbeats once, and starts serving its queue.</summary>
    public static async Task<TestBank> StartAsync(SessionHost host)
    {
        var address = BrokerAddress.Parse(host.Broker);
        TestBank? bank = null;
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            BrokerSender.Stamp(rabbit, address.Username);
            rabbit.ReceiveEndpoint(Manifest.Queue, endpoint =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.Handler<ProcessStep>(context => bank!.ConsentAsync(context));
                endpoint.Handler<RefreshConnection>(context => bank!.RefreshAsync(context));
                endpoint.Handler<RevokeConnection>(context =>
                {
                    bank!.Revocations.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            });
        });
        bank = new TestBank(bus, host);
        await bus.StartAsync();
        await host.PublishUntilAsync(
            () => host.PublishAsync(new SkillRegistered { Manifest = Manifest, Connector = host.BrokerUser, RegisteredAt = DateTimeOffset.UtcNow }),
            db => db.Skills.AnyAsync(s => s.SkillId == Skill));
        var instance = $"bank-{Guid.NewGuid():N}";
        await host.PublishUntilAsync(
            () => host.PublishAsync(new SkillHeartbeat { InstanceId = instance, SkillIds = [Skill], At = DateTimeOffset.UtcNow }),
            db => db.SkillInstances.AnyAsync(i => i.InstanceId == instance));
        return bank;
    }

    /// <summary>A consent as the bank reports it now (what ConnectionDataSynced carries).</summary>
    public ConnectionDataSynced Snapshot(string connectionId)
    {
        var consent = Consents[connectionId];
        lock (consent)
        {
            return new ConnectionDataSynced
            {
                ConnectionId = consent.ConnectionId, SessionId = consent.SessionId, ClientId = consent.ClientId, Skill = Skill,
                ValidUntil = consent.ValidUntil, SyncedAt = Milliseconds(DateTimeOffset.UtcNow),
                Accounts = [.. consent.Accounts.Select(a => a with { Transactions = [.. a.Transactions], Balances = [.. a.Balances] })],
            };
        }
    }

    /// <summary>Publishes the consent's data as a connector does after consent and after a refresh.</summary>
    public Task PublishSyncAsync(string connectionId, Guid? messageId = null) => PublishAsync(Snapshot(connectionId), messageId);

    public Task PublishAsync<T>(T message, Guid? messageId = null) where T : class =>
        bus.Publish(message, context =>
        {
            if (messageId is { } id)
            {
                context.MessageId = id;
            }
        });

    /// <summary>Publishes under a fresh message id and waits until <paramref name="consumer"/> recorded it (with its change, in one transaction).</summary>
    public async Task PublishAndWaitAsync<T>(T message, string consumer) where T : class
    {
        var messageId = Guid.NewGuid();
        await PublishAsync(message, messageId);
        await host.WaitForAsync(db => db.Set<InboxMessage>().AnyAsync(m => m.MessageId == messageId && m.Consumer == consumer));
    }

    /// <summary>Changes one account's transactions (under the consent's lock).</summary>
    public void Change(string connectionId, string accountId, Func<List<TransactionData>, List<TransactionData>> change)
    {
        var consent = Consents[connectionId];
        lock (consent)
        {
            var index = consent.Accounts.FindIndex(a => a.AccountId == accountId);
            consent.Accounts[index] = consent.Accounts[index] with { Transactions = change([.. consent.Accounts[index].Transactions]) };
        }
    }

    /// <summary>The sandbox data of a new consent: a current account with booked and pending transactions, and a savings account.</summary>
    public static List<AccountData> SandboxAccounts(string connectionId) =>
    [
        new()
        {
            AccountId = $"{connectionId}-current", Iban = "RO49AAAA1B31007593840000", Name = "Current account", Kind = "current", Currency = "EUR",
            Balances =
            [
                new BalanceData { Type = "closingBooked", Amount = 1500m, Currency = "EUR", ReferenceDate = new DateOnly(2026, 1, 11) },
                new BalanceData { Type = "interimAvailable", Amount = 1424.5m, Currency = "EUR", ReferenceDate = new DateOnly(2026, 1, 12) },
            ],
            Transactions =
            [
                Tx("t-salary", "booked", 2500m, new DateOnly(2026, 1, 9), "ACME SRL", "Salary January"),
                Tx("t-coffee", "booked", -3.2m, new DateOnly(2026, 1, 10), "Cafe Central", null),
                Tx("t-groceries", "pending", -55.3m, new DateOnly(2026, 1, 12), "Mega Image", "Card payment"),
                Tx("t-taxi", "pending", -20m, new DateOnly(2026, 1, 12), "Taxi", null),
            ],
        },
        new()
        {
            AccountId = $"{connectionId}-savings", Iban = "RO09BCYP0000001234567890", Name = "Savings", Kind = "savings", Currency = "EUR",
            Balances = [new BalanceData { Type = "closingBooked", Amount = 10000m, Currency = "EUR", ReferenceDate = new DateOnly(2026, 1, 11) }],
            Transactions = [Tx("s-interest", "booked", 12.05m, new DateOnly(2026, 1, 1), "XYZ Bank", "Interest")],
        },
    ];

    public static TransactionData Tx(string id, string status, decimal amount, DateOnly date, string? counterparty, string? remittance) => new()
    {
        TransactionId = id, Status = status, Amount = amount, Currency = "EUR", BookingDate = date, ValueDate = status == "booked" ? date : null,
        CounterpartyName = counterparty, RemittanceInformation = remittance,
    };

    /// <summary>The consent step: the consent gets an id and the sandbox data, whose sync goes out before the step's outcome.</summary>
    private async Task ConsentAsync(ConsumeContext<ProcessStep> context)
    {
        var command = context.Message;
        var connectionId = $"conn-{command.StepId:N}";
        var consent = Consents.GetOrAdd(connectionId, id => new BankConsent
        {
            ConnectionId = id, ClientId = command.ClientId, SessionId = command.SessionId,
            ValidUntil = Milliseconds(host.Clock.GetUtcNow().AddDays(90)), Accounts = SandboxAccounts(id),
        });
        await context.Publish(Snapshot(connectionId));
        var result = JsonSerializer.SerializeToElement(new
        {
            connection_id = connectionId,
            valid_until = consent.ValidUntil,
            accounts = consent.Accounts.Select(a => new { account_id = a.AccountId, iban = a.Iban, name = a.Name, kind = a.Kind, currency = a.Currency }),
        });
        await context.Publish(new StepProcessed
        {
            SessionId = command.SessionId, StepId = command.StepId, Skill = command.Skill, Step = command.Step,
            Outcome = StepOutcomes.Completed, Result = result, ProcessedAt = DateTimeOffset.UtcNow,
        });
    }

    private async Task RefreshAsync(ConsumeContext<RefreshConnection> context)
    {
        Refreshes.Enqueue(context.Message);
        if (FailNextRefreshWith is { } code)
        {
            FailNextRefreshWith = null;
            await context.Publish(new ConnectionRefreshFailed
            {
                RequestId = context.Message.RequestId, ConnectionId = context.Message.ConnectionId, ClientId = context.Message.ClientId,
                Code = code, Message = "The bank refused the refresh.", At = DateTimeOffset.UtcNow,
            });
            return;
        }

        await context.Publish(Snapshot(context.Message.ConnectionId));
    }

    /// <summary>Bank timestamps to the millisecond, so they read back from PostgreSQL (microseconds) unchanged.</summary>
    private static DateTimeOffset Milliseconds(DateTimeOffset at) => new(at.UtcTicks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}

public sealed class BankConsent
{
    public required string ConnectionId { get; init; }

    public required string ClientId { get; init; }

    public required Guid SessionId { get; init; }

    public required DateTimeOffset ValidUntil { get; set; }

    public required List<AccountData> Accounts { get; init; }
}
