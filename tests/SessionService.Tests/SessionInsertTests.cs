using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>Opening a session writes its row beside EF Core: the row must be the one EF's model describes.</summary>
public sealed class SessionInsertTests
{
    [Fact]
    public void The_insert_writes_every_column_of_the_sessions_table_in_the_ef_model()
    {
        using var db = new SessionDbContext(new DbContextOptionsBuilder<SessionDbContext>()
            .UseNpgsql("Host=unused").UseSnakeCaseNamingConvention().Options);
        var entity = db.Model.FindEntityType(typeof(Session))!;
        var table = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());

        var modelColumns = entity.GetProperties().Select(p => p.GetColumnName(table)!).Order();

        Assert.Equal("sessions", entity.GetTableName());
        Assert.Equal(modelColumns, SessionInsert.Columns.Order());
    }
}
