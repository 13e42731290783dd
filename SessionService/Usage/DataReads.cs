using Finqware.SessionService.Connections;

namespace Finqware.SessionService.Usage;

/// <summary>
/// What one data API request touched, for its usage (<see cref="DataCallMeter"/>): the skill it is about and the
/// connections whose data (accounts, balances, transactions) it read, which makes each active for the month.
/// Scoped: one per request.
/// </summary>
public sealed class DataReads
{
    private readonly List<Connection> read = [];
    private readonly HashSet<string> skills = [];

    /// <summary>The connections whose data the request read.</summary>
    public IReadOnlyList<Connection> Connections => read;

    /// <summary>The one skill the request was about; empty when it spanned several or none (a list of connections).</summary>
    public string Skill => skills.Count == 1 ? skills.First() : "";

    /// <summary>The request read this connection's data: it is active this month.</summary>
    public void Read(Connection connection)
    {
        read.Add(connection);
        skills.Add(connection.Skill);
    }

    /// <summary>The request was about this skill (a payment, an application, a connection's status).</summary>
    public void About(string skill) => skills.Add(skill);
}
