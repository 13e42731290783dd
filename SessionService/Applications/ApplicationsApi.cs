using System.ComponentModel.DataAnnotations;
using Finqware.SessionService.Access;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Applications;

public static class ApplicationsApi
{
    public static IEndpointRouteBuilder MapApplicationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/applications").WithTags("Applications").RequireServer(AccessRefusal.ConsentedData).MeteredAs("applications")
            .MapGet("/{application_id}", GetAsync).WithName("GetApplication")
            .WithSummary("Get a marketplace application")
            .WithDescription("A marketplace application: status, offer, verification (KYC) decision, contract.")
            .Problems(StatusCodes.Status404NotFound, "APPLICATION_NOT_FOUND");
        return app;
    }

    public static async Task<Results<Ok<ApplicationView>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = "application_id"), MaxLength(128)] string applicationId, Caller caller, SessionDbContext db, DataReads reads, CancellationToken cancellationToken)
    {
        var application = applicationId.Length > 128
            ? null
            : await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.ClientId == caller.ClientId && a.ApplicationId == applicationId, cancellationToken);
        if (application is null)
        {
            return DataErrors.ApplicationNotFound();
        }

        reads.About(application.Skill);
        var verification = await db.Verifications.AsNoTracking()
            .FirstOrDefaultAsync(v => v.SessionId == application.SessionId && v.ClientId == caller.ClientId, cancellationToken);
        return TypedResults.Ok(application.ToView(verification));
    }
}
