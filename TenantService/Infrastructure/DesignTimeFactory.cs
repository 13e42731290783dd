using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Hosting;

namespace Finqware.TenantService.Infrastructure;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<TenantDbContext>
{
    public TenantDbContext CreateDbContext(string[] args) => new(DatabaseExtensions.DesignTimeOptions<TenantDbContext>("tenantdb"));
}
