using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.Hosting;

// One host program for every profile: settings come from appsettings.json, EquiGrid__* environment variables or
// --EquiGrid:Key=value arguments (see docs/cluster.md).
var builder = Host.CreateApplicationBuilder(args);
builder.AddEquiGridSilo();
await builder.Build().RunAsync();
