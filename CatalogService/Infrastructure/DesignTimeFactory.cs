using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Hosting;

namespace Finqware.CatalogService.Infrastructure;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CatalogDbContext>
{
    public CatalogDbContext CreateDbContext(string[] args) => new(DatabaseExtensions.DesignTimeOptions<CatalogDbContext>("catalogdb"));
}
