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

/// <summary>One period (YYYY-MM-DD, or YYYY-MM by month) of one group; client_id and skill are present when grouped by them.</summary>
public sealed record UsageRow(
    string Period,
    string? ClientId,
    string? Skill,
    string Environment,
    long SessionsOpened,
    long SessionsCompleted,
    long SessionsFailed,
    long SessionsExpired,
    long SessionsCancelled,
    long Steps,
    long StepsCompleted,
    long StepsFailed,
    long Uploads,
    long UploadBytes);
