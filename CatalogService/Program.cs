using Finqware.CatalogService.Skills;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapServiceOpenApi();
app.MapSkillsApi();
app.RunOrMigrate();
public partial class Program;
