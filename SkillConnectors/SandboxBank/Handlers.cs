using System.Text.Json;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>The user's online banking login (both skills): the bank authenticates the PSU and picks the SCA approach.</summary>
public sealed class CredentialsHandler : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var username = step.DataString("username")!;
        var (method, code, message) = SandboxUsers.Authenticate(username, step.DataString("password")!);
        return Task.FromResult(method is null
            ? StepOutcome.Failed(code!, message!)
            : StepOutcome.Completed(new { PsuId = username, ScaMethod = method, ScaStatus = "psuAuthenticated" }));
    }
}

/// <summary>The PISP payment form: RCVD.</summary>
public sealed class PaymentFormHandler(PaymentInitiation bank) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken) => Task.FromResult(bank.Initiate(step));
}

/// <summary>
/// Strong customer authentication in the approach the credentials step chose: EMBEDDED checks the OTP at once,
/// DECOUPLED is ACTION_REQUIRED until the "app approval" follow-up, REDIRECT is ACTION_REQUIRED until the user
/// approves on the bank's page (<see cref="AuthorisationPage"/>, through <see cref="IStepUpdates"/>).
/// </summary>
public abstract class ScaHandler(IOptions<SandboxBankOptions> options) : IStepHandler, IStepFollowUp
{
    public const string ApprovePhase = "approve";

    /// <summary>SCA succeeded: the step's outcome (a consent, an accepted payment…).</summary>
    public abstract Task<StepOutcome> AuthorisedAsync(StepContext step, string username, CancellationToken cancellationToken);

    /// <summary>SCA failed or was denied.</summary>
    public abstract StepOutcome ScaFailed(StepContext step, string code, string message);

    /// <summary>A follow-up the authorised outcome asked for (booking, settlement).</summary>
    protected abstract Task<StepOutcome?> LaterAsync(StepContext step, string phase, CancellationToken cancellationToken);

    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        if (Psu(step) is not { } psu)
        {
            return StepOutcome.Failed("CREDENTIALS_REQUIRED", "The credentials step did not authenticate a user.");
        }

        switch (psu.ScaMethod)
        {
            case ScaMethods.Decoupled:
                var seconds = Math.Max(1, (int)Math.Ceiling(options.Value.DecoupledApprovalDelay.TotalSeconds));
                return StepOutcome.Decoupled(
                        $"Open the XYZ Sandbox Bank app and approve the request (the sandbox approves it by itself in about {seconds} s).",
                        new { ScaMethod = psu.ScaMethod, ScaStatus = "started" })
                    .ThenFollowUp(options.Value.DecoupledApprovalDelay, new { Phase = ApprovePhase });
            case ScaMethods.Redirect:
                var url = $"{(options.Value.PublicBaseUrl ?? "").TrimEnd('/')}{AuthorisationPage.Path}/{step.StepId}?token={Ids.NewToken()}";
                return StepOutcome.Redirect(url, new { ScaMethod = psu.ScaMethod, ScaStatus = "started" });
            default:
                var otp = step.DataString("otp");
                if (otp is null)
                {
                    return ScaFailed(step, "OTP_REQUIRED", "This user authenticates with an OTP: send it as data.otp (sandbox: 123456).");
                }

                return otp == SandboxUsers.Otp
                    ? await AuthorisedAsync(step, psu.Username, cancellationToken)
                    : ScaFailed(step, "INVALID_OTP", "The OTP is wrong.");
        }
    }

    public async Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken)
    {
        var phase = state?.GetProperty("phase").GetString();
        if (phase == ApprovePhase)
        {
            return Psu(step) is { } psu ? await AuthorisedAsync(step, psu.Username, cancellationToken) : null;
        }

        return await LaterAsync(step, phase ?? "", cancellationToken);
    }

    private static (string Username, string ScaMethod)? Psu(StepContext step) =>
        step.PreviousResult("credentials") is { } credentials
        && credentials.TryGetProperty("psu_id", out var psu) && credentials.TryGetProperty("sca_method", out var method)
            ? (psu.GetString()!, method.GetString()!)
            : null;
}

public sealed class ConsentScaHandler(AccountInformation bank, IOptions<SandboxBankOptions> options) : ScaHandler(options)
{
    public override Task<StepOutcome> AuthorisedAsync(StepContext step, string username, CancellationToken cancellationToken) =>
        bank.GrantAsync(step, username, cancellationToken);

    public override StepOutcome ScaFailed(StepContext step, string code, string message) => StepOutcome.Failed(code, message);

    protected override async Task<StepOutcome?> LaterAsync(StepContext step, string phase, CancellationToken cancellationToken)
    {
        if (phase == AccountInformation.BookPhase)
        {
            await bank.BookPendingAsync(step, cancellationToken);
        }

        return null;
    }
}

public sealed class PaymentScaHandler(PaymentInitiation bank, IOptions<SandboxBankOptions> options) : ScaHandler(options)
{
    public override Task<StepOutcome> AuthorisedAsync(StepContext step, string username, CancellationToken cancellationToken) =>
        Task.FromResult(bank.Authorised(step));

    public override StepOutcome ScaFailed(StepContext step, string code, string message) => bank.ScaFailed(step, code, message);

    protected override Task<StepOutcome?> LaterAsync(StepContext step, string phase, CancellationToken cancellationToken) =>
        Task.FromResult(bank.Settle(step, phase));
}
