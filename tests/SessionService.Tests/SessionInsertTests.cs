using System.Diagnostics;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Finqware.SessionService.Tests;

/// <summary>
/// Opening a session writes its row beside EF Core, with group commit: the row must be the one EF's model describes,
/// every caller's row must be committed when its call returns, and a refused row fails only its own caller.
/// </summary>
public sealed class SessionInsertTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit, withConnector: false);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public void The_insert_writes_every_column_of_the_sessions_table_in_the_ef_model()
    {
        var modelColumns = ModelColumns.Of<Session>(out var table);

        Assert.Equal("sessions", table);
        Assert.Equal(modelColumns, SessionInsert.Columns.Order());
    }

    [Fact]
    public async Task Concurrent_opens_share_writes_and_each_returns_with_its_row_committed()
    {
        using var inserts = new Recorder(new NpgsqlConnectionStringBuilder(host.Database).Database!);
        var insert = host.Services.GetRequiredService<SessionInsert>();
        var sessions = Enumerable.Range(0, 300).Select(_ => NewSession()).ToList();

        await Task.WhenAll(sessions.Select(session => Task.Run(async () =>
        {
            await insert.InsertAsync(session, TestContext.Current.CancellationToken);
            // Committed when the call returns: visible to anyone else at once.
            Assert.True(await host.QueryAsync(db => db.Sessions.AnyAsync(s => s.Id == session.Id)), $"session {session.Id} not committed on return");
        })));

        var ids = sessions.Select(s => s.Id).ToList();
        var stored = await host.QueryAsync(db => db.Sessions.Where(s => ids.Contains(s.Id)).ToListAsync());
        Assert.Equal(sessions.Count, stored.Count);
        var first = stored.Single(s => s.Id == sessions[0].Id);
        Assert.Equal((sessions[0].ClientId, sessions[0].Skill, sessions[0].Status, sessions[0].NextSeq, sessions[0].CurrentNonceId),
            (first.ClientId, first.Skill, first.Status, first.NextSeq, first.CurrentNonceId));
        Assert.Equal(sessions[0].ExpiresAt.ToUnixTimeMilliseconds(), first.ExpiresAt.ToUnixTimeMilliseconds());
        // Group commit happened: fewer INSERT statements than rows.
        Assert.InRange(inserts.Count, 1, sessions.Count - 1);
    }

    [Fact]
    public async Task A_row_the_server_refuses_fails_only_its_own_caller()
    {
        var insert = host.Services.GetRequiredService<SessionInsert>();
        var existing = NewSession();
        await insert.InsertAsync(existing, TestContext.Current.CancellationToken);
        var sessions = Enumerable.Range(0, 100).Select(_ => NewSession()).ToList();
        sessions.Insert(50, NewSession(existing.Id));

        var outcomes = await Task.WhenAll(sessions.Select(session => Task.Run(async () =>
        {
            try
            {
                await insert.InsertAsync(session, TestContext.Current.CancellationToken);
                return null;
            }
            catch (PostgresException ex)
            {
                return ex.SqlState;
            }
        })));

        Assert.Equal([PostgresErrorCodes.UniqueViolation], outcomes.Where(o => o is not null));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, outcomes[50]);
        var ids = sessions.Select(s => s.Id).ToList();
        Assert.Equal(100, await host.QueryAsync(db => db.Sessions.CountAsync(s => ids.Contains(s.Id) && s.Id != existing.Id)));
        // And the writing goes on after the refusal.
        var after = NewSession();
        await insert.InsertAsync(after, TestContext.Current.CancellationToken);
        Assert.True(await host.QueryAsync(db => db.Sessions.AnyAsync(s => s.Id == after.Id)));
    }

    private static Session NewSession(Guid? id = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new Session
        {
            Id = id ?? Guid.CreateVersion7(),
            ClientId = "fqc_group_commit",
            Skill = TestSkills.AispManifest.SkillId,
            Status = SessionStatus.Created,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now.AddMinutes(30),
            NextSeq = 1,
            CurrentNonceId = Guid.NewGuid().ToString("N"),
        };
    }

    /// <summary>Counts the session INSERT statements Npgsql sends to one database, through its own tracing.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly ConcurrentQueue<string> statements = new();
        private readonly ActivityListener listener;

        public Recorder(string database)
        {
            listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if ((activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name")) as string == database)
                    {
                        statements.Enqueue(activity.GetTagItem("db.query.text") as string ?? activity.GetTagItem("db.statement") as string ?? activity.DisplayName);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);
        }

        public int Count => statements.Count(s => s.StartsWith("INSERT INTO sessions", StringComparison.Ordinal));

        public void Dispose() => listener.Dispose();
    }
}
