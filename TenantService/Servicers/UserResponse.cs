namespace Finqware.TenantService.Servicers;

public sealed record UserResponse(Guid UserId, string Email, string Role, DateTimeOffset CreatedAt)
{
    public static UserResponse From(ServicerUser user) => new(user.Id, user.Email, user.Role, user.CreatedAt);
}
