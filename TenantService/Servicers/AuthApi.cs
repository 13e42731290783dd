using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.TenantService.Servicers;

public sealed class LoginOptions
{
    public const string Section = "Login";

    /// <summary>Consecutive wrong passwords that lock an account.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

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
            .WithDescription("Admins only: adds an admin or a developer who logs in at POST /auth/token.")
            .Problems(StatusCodes.Status403Forbidden, "ADMIN_REQUIRED")
            .Problems(StatusCodes.Status409Conflict, "EMAIL_ALREADY_REGISTERED")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        users.MapGet("/", ListUsers).WithName("ListServicerUsers")
            .WithSummary("List the servicer's users")
            .WithDescription("Every user of the servicer with their role.");
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
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return ServicerNotFound();
        }

        if (caller.FindFirst(ClaimNames.Role)?.Value != "admin")
        {
            return ApiProblems.Create(StatusCodes.Status403Forbidden, "ADMIN_REQUIRED", "Only an admin of the servicer can add users.",
                "Ask an admin of your servicer to add the user.");
        }

        var errors = new Dictionary<string, string[]>();
        ServicersApi.ValidateCredentials(request.Email, request.Password, errors);
        if (request.Role is not ("admin" or "developer"))
        {
            errors["role"] = ["Must be admin or developer."];
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
        if (!await ServicersApi.TrySaveUniqueEmailAsync(db, cancellationToken))
        {
            return ServicersApi.EmailTaken();
        }

        return TypedResults.Created($"/servicers/{servicer_id}/users/{user.Id}", UserResponse.From(user));
    }

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

public sealed record LoginRequest([property: Required, MaxLength(254)] string? Email, [property: Required, MaxLength(256)] string? Password);

public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

public sealed record AddUserRequest(
    [property: Required, MaxLength(254)] string? Email,
    [property: Required, MinLength(ServicersApi.MinPasswordLength), MaxLength(256)] string? Password,
    [property: Required, AllowedValues("admin", "developer")] string? Role);

public sealed record UserResponse(Guid UserId, string Email, string Role, DateTimeOffset CreatedAt)
{
    public static UserResponse From(ServicerUser user) => new(user.Id, user.Email, user.Role, user.CreatedAt);
}
