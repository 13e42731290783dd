using System.Globalization;
using System.Security.Claims;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Npgsql;

namespace Finqware.TenantService.Usage;

/// <summary>A report: one row per period and group that has usage, in period order.</summary>
public sealed record UsageReport(IReadOnlyList<UsageRow> Usage);
