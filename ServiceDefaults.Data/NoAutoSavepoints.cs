using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Finqware.ServiceDefaults.Data;

/// <summary>
/// Turns off EF Core's automatic savepoint around a SaveChanges inside a caller's transaction. It lets a caller retry a
/// failed save within the same transaction, which no Finqware unit of work does: a failed save ends its transaction.
/// The savepoint cost two round trips (SAVEPOINT, RELEASE SAVEPOINT) in every consumer that saves in a transaction, on
/// the step path among others. Stateless, so one instance serves every context.
/// </summary>
public sealed class NoAutoSavepoints : SaveChangesInterceptor
{
    public static readonly NoAutoSavepoints Instance = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Disable(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Disable(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Disable(DbContext? context)
    {
        if (context is not null)
        {
            context.Database.AutoSavepointsEnabled = false;
        }
    }
}
