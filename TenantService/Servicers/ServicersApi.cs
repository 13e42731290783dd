using System.Net.Mail;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Finqware.TenantService.Servicers;

public static class ServicersApi
{
    public const int MinPasswordLength = 12;

    public static IEndpointRouteBuilder MapServicersApi(this IEndpointRouteBuilder routes)
    {
        var servicers = routes.MapGroup("/servicers").WithTags("Servicers");
        servicers.MapPost("/", SignUp).WithName("SignUp")
            .WithSummary("Register a servicer with its first admin user")
            .WithDescription("Creates the servicer (a bank, insurer or fintech) and an admin user who can then log in at POST /auth/token.")
            .Public()
            .Problems(StatusCodes.Status409Conflict, "EMAIL_ALREADY_REGISTERED")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        return routes;
    }

    public static async Task<Results<Created<SignUpResponse>, ProblemHttpResult>> SignUp(
        SignUpRequest request,
        TenantDbContext db,
        IPasswordHasher<ServicerUser> hasher,
        AuditLog audit,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var now = clock.GetUtcNow();
        var servicer = new Servicer { Id = Guid.CreateVersion7(), Name = request.Name!.Trim(), Kind = request.Kind!, CreatedAt = now };
        var user = new ServicerUser
        {
            Id = Guid.CreateVersion7(),
            ServicerId = servicer.Id,
            Email = request.Email!.Trim(),
            NormalizedEmail = request.Email.Trim().ToUpperInvariant(),
            PasswordHash = string.Empty,
            Role = ServicerRoles.Admin,
            CreatedAt = now,
        };
        user.PasswordHash = hasher.HashPassword(user, request.Password!);
        db.Servicers.Add(servicer);
        db.ServicerUsers.Add(user);
        audit.Record(servicer.Id, user.Id, user.Email, AuditActions.ServicerCreated, AuditTargets.Servicer, servicer.Id.ToString(),
            new { servicer.Name, servicer.Kind, Admin = new { user.Id, user.Email } });
        if (!await TrySaveUniqueEmailAsync(db, cancellationToken))
        {
            return EmailTaken();
        }

        return TypedResults.Created($"/servicers/{servicer.Id}", new SignUpResponse(servicer.Id, user.Id));
    }

    /// <summary>Saves; false when the email is already registered (the unique index decides, so races are safe).</summary>
    internal static async Task<bool> TrySaveUniqueEmailAsync(TenantDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
    }

    internal static ProblemHttpResult EmailTaken() => ApiProblems.Conflict("EMAIL_ALREADY_REGISTERED", "This email is already registered.",
        "Log in with POST /auth/token, or use another email.");

    internal static void ValidateCredentials(string? email, string? password, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254 || !MailAddress.TryCreate(email.Trim(), out _))
        {
            errors["email"] = ["A valid email address is required."];
        }

        if (password is null || password.Length < MinPasswordLength || password.Length > 256)
        {
            errors["password"] = [$"Between {MinPasswordLength} and 256 characters."];
        }
    }

    private static Dictionary<string, string[]> Validate(SignUpRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors["name"] = ["Required, at most 200 characters."];
        }

        if (request.Kind is not ("bank" or "insurer" or "fintech"))
        {
            errors["kind"] = ["Must be one of bank, insurer, fintech."];
        }

        ValidateCredentials(request.Email, request.Password, errors);
        return errors;
    }
}
