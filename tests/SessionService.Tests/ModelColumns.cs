using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>The column names EF Core's model gives an entity's table, for writers that work beside EF Core.</summary>
internal static class ModelColumns
{
    public static IOrderedEnumerable<string> Of<TEntity>(out string table)
    {
        using var db = new SessionDbContext(new DbContextOptionsBuilder<SessionDbContext>()
            .UseNpgsql("Host=unused").UseSnakeCaseNamingConvention().Options);
        var entity = db.Model.FindEntityType(typeof(TEntity))!;
        table = entity.GetTableName()!;
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema());
        return entity.GetProperties().Select(p => p.GetColumnName(store)!).ToList().Order();
    }
}
