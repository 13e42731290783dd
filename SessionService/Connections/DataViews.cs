using System.Globalization;

namespace Finqware.SessionService.Connections;

/// <summary>
/// What the data APIs' public shapes (docs/data-api.md) have in common. Each resource maps its entities to its shapes
/// in its own folder (<c>ConnectionViews</c>, <c>AccountViews</c>, <c>TransactionViews</c>, <c>PaymentViews</c>,
/// <c>ApplicationViews</c>); the shapes are never the EF entities, and fields the contract always lists are written even
/// when null (<c>JsonIgnoreCondition.Never</c>).
/// </summary>
public static class DataViews
{
    /// <summary>Amounts are JSON strings with two decimals, as Berlin Group writes them ("-12.30").</summary>
    public static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
