using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.TenantService.Servicers;

/// <summary>Portal login for servicer users, and the servicer's user list.</summary>
public static partial class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/auth/token", Login).WithName("Login")
            .WithTags("Servicers")
            .WithSummary("Log in to the portal")
            .WithDescription("Exchanges a servicer user's email and password for a portal token (Bearer), used to manage tenants. "
                + "Repeated wrong passwords lock the account for a while.")
            .RequireRateLimiting(RateLimits.Login)
            .Public()
            .Problems(StatusCodes.Status401Unauthorized, "INVALID_CREDENTIALS")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed)
            .Problems(StatusCodes.Status423Locked, "ACCOUNT_LOCKED");

        var users = routes.MapGroup("/servicers/{servicer_id:guid}/users")
            .WithTags("Servicers")
            .RequirePortalToken()
            .Problems(StatusCodes.Status404NotFound, "SERVICER_NOT_FOUND");
        users.MapPost("/", AddUser).WithName("AddServicerUser")
            .WithSummary("Add a user to the servicer")
            .WithDescription("Admins only: adds an admin, a developer or a viewer (docs/tenants.md, roles), who logs in at POST /auth/token.")
            .RequirePortalRole(ServicerRoles.Admin)
            .Problems(StatusCodes.Status409Conflict, "EMAIL_ALREADY_REGISTERED")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        users.MapGet("/", ListUsers).WithName("ListServicerUsers")
            .WithSummary("List the servicer's users")
            .WithDescription("Every user of the servicer with their role.");
        users.MapPatch("/{user_id:guid}", ChangeRole).WithName("ChangeServicerUserRole")
            .WithSummary("Change a user's role")
            .WithDescription("Admins only. Takes effect at the user's next request. The servicer keeps at least one admin.")
            .RequirePortalRole(ServicerRoles.Admin)
            .Problems(StatusCodes.Status404NotFound, "USER_NOT_FOUND")
            .Problems(StatusCodes.Status409Conflict, "LAST_ADMIN")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        users.MapDelete("/{user_id:guid}", RemoveUser).WithName("RemoveServicerUser")
            .WithSummary("Remove a user")
            .WithDescription("Admins only. The user's portal tokens stop working at once. The servicer keeps at least one admin.")
            .RequirePortalRole(ServicerRoles.Admin)
            .Problems(StatusCodes.Status404NotFound, "USER_NOT_FOUND")
            .Problems(StatusCodes.Status409Conflict, "LAST_ADMIN");
        return routes;
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Login(
        LoginRequest request,
        TenantDbContext db,
        IPasswordHasher<ServicerUser> hasher,
        TokenIssuer tokens,
        TimeProvider clock,
        IOptions<LoginOptions> options,
        HttpContext http,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]>
            {
                ["email"] = ["Required."],
                ["password"] = ["Required."],
            });
        }

        var now = clock.GetUtcNow();
        var normalized = request.Email.Trim().ToUpperInvariant();
        var user = await db.ServicerUsers.FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            // Spend the same time as a real check, so response times do not reveal which emails exist.
            hasher.VerifyHashedPassword(DummyUser, DummyHash, request.Password);
            return InvalidCredentials();
        }

        if (user.LockedUntil is { } lockedUntil && lockedUntil > now)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling((lockedUntil - now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblems.Create(StatusCodes.Status423Locked, "ACCOUNT_LOCKED", "This account is locked after repeated failed logins.",
                $"Try again after {lockedUntil:O}, or ask an admin of your servicer for help.");
        }

        if (hasher.VerifyHashedPassword(user, user.PasswordHash, request.Password) == PasswordVerificationResult.Failed)
        {
            user.FailedLogins++;
            if (user.FailedLogins >= options.Value.MaxFailedAttempts)
            {
                user.LockedUntil = now + options.Value.LockoutDuration;
                user.FailedLogins = 0;
                LogLockedOut(loggers.CreateLogger(typeof(AuthApi)), user.Id);
            }

            await db.SaveChangesAsync(cancellationToken);
            return InvalidCredentials();
        }

        user.FailedLogins = 0;
        user.LockedUntil = null;
        await db.SaveChangesAsync(cancellationToken);
        var token = tokens.IssuePortalToken(user.Id, user.ServicerId, user.Role);
        return TypedResults.Ok(new TokenResponse(token.AccessToken, "Bearer", token.ExpiresIn));
    }

    public static async Task<Results<Created<UserResponse>, ProblemHttpResult>> AddUser(
        Guid servicer_id,
        AddUserRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        IPasswordHasher<ServicerUser> hasher,
        AuditLog audit,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return ServicerNotFound();
        }

        var errors = new Dictionary<string, string[]>();
        ServicersApi.ValidateCredentials(request.Email, request.Password, errors);
        if (!ServicerRoles.IsRole(request.Role))
        {
            errors["role"] = ["Must be admin, developer or viewer."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var user = new ServicerUser
        {
            Id = Guid.CreateVersion7(),
            ServicerId = servicer_id,
            Email = request.Email!.Trim(),
            NormalizedEmail = request.Email.Trim().ToUpperInvariant(),
            PasswordHash = "",
            Role = request.Role!,
            CreatedAt = clock.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, request.Password!);
        db.ServicerUsers.Add(user);
        audit.Record(AuditActions.UserAdded, AuditTargets.User, user.Id.ToString(), new { user.Email, user.Role });
        if (!await ServicersApi.TrySaveUniqueEmailAsync(db, cancellationToken))
        {
            return ServicersApi.EmailTaken();
        }

        return TypedResults.Created($"/servicers/{servicer_id}/users/{user.Id}", UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> ChangeRole(
        Guid servicer_id, Guid user_id, ChangeRoleRequest request, ClaimsPrincipal caller, TenantDbContext db, AuditLog audit, CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return ServicerNotFound();
        }

        if (!ServicerRoles.IsRole(request.Role))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["role"] = ["Must be admin, developer or viewer."] });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await LockUserAsync(db, servicer_id, user_id, cancellationToken);
        if (user is null)
        {
            return UserNotFound();
        }

        if (user.Role != request.Role)
        {
            if (user.Role == ServicerRoles.Admin && await IsLastAdminAsync(db, servicer_id, cancellationToken))
            {
                return LastAdmin();
            }

            audit.Record(AuditActions.UserRoleChanged, AuditTargets.User, user.Id.ToString(), new { user.Email, Role = AuditLog.Change(user.Role, request.Role!) });
            user.Role = request.Role!;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return TypedResults.Ok(UserResponse.From(user));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveUser(
        Guid servicer_id, Guid user_id, ClaimsPrincipal caller, TenantDbContext db, AuditLog audit, CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return ServicerNotFound();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await LockUserAsync(db, servicer_id, user_id, cancellationToken);
        if (user is null)
        {
            return UserNotFound();
        }

        if (user.Role == ServicerRoles.Admin && await IsLastAdminAsync(db, servicer_id, cancellationToken))
        {
            return LastAdmin();
        }

        audit.Record(AuditActions.UserRemoved, AuditTargets.User, user.Id.ToString(), new { user.Email, user.Role });
        db.ServicerUsers.Remove(user);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The user, tracked; in the caller's transaction, the servicer's admins stay locked (<c>FOR UPDATE</c>) until it
    /// ends, so two admins demoting each other at once cannot leave the servicer with none.
    /// </summary>
    private static async Task<ServicerUser?> LockUserAsync(TenantDbContext db, Guid servicerId, Guid userId, CancellationToken cancellationToken)
    {
        await db.ServicerUsers.FromSqlInterpolated($"SELECT * FROM servicer_users WHERE servicer_id = {servicerId} AND role = {ServicerRoles.Admin} FOR UPDATE")
            .ToListAsync(cancellationToken);
        return await db.ServicerUsers.FirstOrDefaultAsync(u => u.Id == userId && u.ServicerId == servicerId, cancellationToken);
    }

    private static async Task<bool> IsLastAdminAsync(TenantDbContext db, Guid servicerId, CancellationToken cancellationToken) =>
        await db.ServicerUsers.CountAsync(u => u.ServicerId == servicerId && u.Role == ServicerRoles.Admin, cancellationToken) <= 1;

    private static ProblemHttpResult UserNotFound() => ApiProblems.NotFound("USER_NOT_FOUND", "No such user.",
        "List the servicer's users with GET /servicers/{servicer_id}/users.");

    private static ProblemHttpResult LastAdmin() => ApiProblems.Conflict("LAST_ADMIN", "The servicer would have no admin left.",
        "Make another user an admin first.");

    public static async Task<Results<Ok<List<UserResponse>>, ProblemHttpResult>> ListUsers(
        Guid servicer_id, ClaimsPrincipal caller, TenantDbContext db, CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return ServicerNotFound();
        }

        var users = await db.ServicerUsers.AsNoTracking().Where(u => u.ServicerId == servicer_id).OrderBy(u => u.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(users.Select(UserResponse.From).ToList());
    }

    internal static ProblemHttpResult ServicerNotFound() => ApiProblems.NotFound("SERVICER_NOT_FOUND", "No such servicer.",
        "Use the servicer_id returned at sign-up; your portal token only gives access to your own servicer.");

    private static ProblemHttpResult InvalidCredentials() => ApiProblems.Unauthorized("INVALID_CREDENTIALS", "Wrong email or password.",
        "Check the email and password; after repeated failures the account is locked for a while.");

    private static readonly ServicerUser DummyUser = new()
    {
        Id = Guid.Empty, ServicerId = Guid.Empty, Email = "", NormalizedEmail = "", PasswordHash = "", Role = "", CreatedAt = default,
    };

    private static readonly string DummyHash = new PasswordHasher<ServicerUser>().HashPassword(DummyUser, "not-a-real-password");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Servicer user {UserId} locked after repeated failed logins")]
    private static partial void LogLockedOut(ILogger logger, Guid userId);
}