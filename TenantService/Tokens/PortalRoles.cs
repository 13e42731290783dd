using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.TenantService.Tokens;

/// <summary>
/// Roles on the management routes. A portal token names its user; every request reads that user's role (and email,
/// for the audit log) from the database, so a role changed or a user removed takes effect at the next request, not when
/// the token expires. A route says which roles it admits with <see cref="RequirePortalRole{TBuilder}"/>; a caller in
/// another role gets 403 <c>ROLE_NOT_ALLOWED</c>.
/// </summary>
public static class PortalRoles
{
    public const string RoleNotAllowed = "ROLE_NOT_ALLOWED";

    /// <summary>The caller's email, read with the role (the audit log names who did what).</summary>
    public const string EmailClaim = "email";

    /// <summary>Admits portal tokens of users in <paramref name="roles"/> only (and declares the 401 and 403 problems).</summary>
    public static TBuilder RequirePortalRole<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.RequirePortalToken()
            .RequireAuthorization(new AuthorizationPolicyBuilder(AuthPolicies.Portal).RequireClaim(ClaimNames.Role, roles).Build())
            .Problems(StatusCodes.Status403Forbidden, RoleNotAllowed);

    public static IHostApplicationBuilder AddPortalRoles(this IHostApplicationBuilder builder)
    {
        builder.Services.PostConfigure<JwtBearerOptions>(AuthPolicies.Portal, jwt =>
        {
            var validated = jwt.Events.OnTokenValidated;
            jwt.Events.OnTokenValidated = async context =>
            {
                await validated(context);
                await LoadRoleAsync(context);
            };
        });
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, RoleRefusalHandler>();
        return builder;
    }

    private static async Task LoadRoleAsync(TokenValidatedContext context)
    {
        if (context.Result is not null || context.Principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        var servicer = ClaimNames.ServicerOf(context.Principal);
        if (!Guid.TryParse(context.Principal.FindFirst("sub")?.Value, out var userId) || servicer is null)
        {
            context.Fail("The portal token names no user.");
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<TenantDbContext>();
        var user = await db.ServicerUsers.AsNoTracking()
            .Where(u => u.Id == userId && u.ServicerId == servicer)
            .Select(u => new { u.Role, u.Email })
            .FirstOrDefaultAsync(context.HttpContext.RequestAborted);
        if (user is null)
        {
            context.Fail("The user of this portal token was removed.");
            return;
        }

        foreach (var claim in identity.FindAll(c => c.Type is ClaimNames.Role or EmailClaim).ToList())
        {
            identity.RemoveClaim(claim);
        }

        identity.AddClaim(new Claim(ClaimNames.Role, user.Role));
        identity.AddClaim(new Claim(EmailClaim, user.Email));
    }

    /// <summary>Writes a refused role as a problem document; everything else as ASP.NET Core does.</summary>
    private sealed class RoleRefusalHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler fallback = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (!authorizeResult.Forbidden)
            {
                await fallback.HandleAsync(next, context, policy, authorizeResult);
                return;
            }

            var allowed = policy.Requirements.OfType<ClaimsAuthorizationRequirement>()
                .Where(r => r.ClaimType == ClaimNames.Role)
                .SelectMany(r => r.AllowedValues ?? [])
                .Distinct()
                .ToList();
            var role = context.User.FindFirst(ClaimNames.Role)?.Value ?? "none";
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Your role does not allow this.",
                Detail = $"This needs the role {string.Join(" or ", allowed)}; yours is {role}. Ask an admin of your servicer.",
            };
            problem.Extensions[ApiProblems.CodeKey] = RoleNotAllowed;
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        }
    }
}
