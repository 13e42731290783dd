using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Hosting;

namespace Finqware.SessionService.Infrastructure;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<SessionDbContext>
{
    public SessionDbContext CreateDbContext(string[] args) => new(DatabaseExtensions.DesignTimeOptions<SessionDbContext>("sessiondb"));
}
