using System.Globalization;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>
/// <c>personal_data</c> of every product: refuses applicants under 18 (<c>APPLICANT_UNDERAGE</c>), otherwise keeps the
/// applicant's name in the result, where identity verification (the next step) compares it with the documents.
/// </summary>
public sealed class PersonalDataHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.Of(step.Skill);
        var now = clock.GetUtcNow();
        if (!DateOnly.TryParseExact(step.DataString("date_of_birth"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
        {
            return Task.FromResult(StepOutcome.Failed("INVALID_DATE_OF_BIRTH", "date_of_birth is not a calendar date (YYYY-MM-DD)."));
        }

        if (AgeOn(born, DateOnly.FromDateTime(now.UtcDateTime)) < ApplicantSteps.AdultAge)
        {
            return Task.FromResult(Applications.Refused(step, product, "APPLICANT_UNDERAGE",
                $"The applicant must be at least {ApplicantSteps.AdultAge} years old.", now, Applications.Offer(step, product)));
        }

        return Task.FromResult(StepOutcome.Completed(new
        {
            ApplicationId = Applications.ApplicationId(product, step.SessionId),
            Status = ApplicationStatus.Offered,
            Applicant = new { FirstName = step.DataString("first_name"), LastName = step.DataString("last_name") },
        }));
    }

    /// <summary>Completed years of age on <paramref name="today"/> (someone born on 29 February turns a year older on 1 March).</summary>
    public static int AgeOn(DateOnly born, DateOnly today)
    {
        var age = today.Year - born.Year;
        return today.Month < born.Month || (today.Month == born.Month && today.Day < born.Day) ? age - 1 : age;
    }
}
