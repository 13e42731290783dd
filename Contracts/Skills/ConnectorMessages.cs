using Finqware.Contracts.Sessions;

namespace Finqware.Contracts.Skills;

/// <summary>
/// What a connector may put on the broker: its announcements and heartbeats, its steps' outcomes and the data events
/// they carry. A connector's broker user may publish these and nothing else (docs/security.md, "Connectors"); consumers
/// of them check who sent each one (the broker's validated <c>user_id</c>).
/// </summary>
public static class ConnectorMessages
{
    public static IReadOnlyList<Type> Published { get; } =
    [
        typeof(SkillAnnounced),
        typeof(SkillHeartbeat),
        typeof(StepProcessed),
        typeof(ConnectionDataSynced),
        typeof(ConnectionRefreshFailed),
        typeof(PaymentInitiated),
        typeof(PaymentStatusChanged),
        typeof(VerificationCompleted),
        typeof(ApplicationUpdated),
    ];

    /// <summary>The exchange a message type is published to (MassTransit's default name: <c>Namespace:Type</c>).</summary>
    public static string Exchange(Type type) => $"{type.Namespace}:{type.Name}";
}
