using System.ComponentModel.DataAnnotations;
using Finqware.SessionService.Access;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Payments;

public static class PaymentsApi
{
    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/payments").WithTags("Payments").RequireServer(AccessRefusal.ConsentedData).MeteredAs("payments")
            .MapGet("/{payment_id}", GetAsync).WithName("GetPayment")
            .WithSummary("Get a payment")
            .WithDescription("A payment with its Berlin Group transaction status (RCVD, ACTC, ACSP, ACSC, RJCT, CANC…) and status history.")
            .Problems(StatusCodes.Status404NotFound, "PAYMENT_NOT_FOUND");
        return app;
    }

    public static async Task<Results<Ok<PaymentView>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = "payment_id"), MaxLength(128)] string paymentId, Caller caller, SessionDbContext db, DataReads reads, CancellationToken cancellationToken)
    {
        var payment = paymentId.Length > 128
            ? null
            : await db.Payments.AsNoTracking().FirstOrDefaultAsync(p => p.ClientId == caller.ClientId && p.PaymentId == paymentId, cancellationToken);
        if (payment is null)
        {
            return DataErrors.PaymentNotFound();
        }

        reads.About(payment.Skill);
        return TypedResults.Ok(payment.ToView());
    }
}
