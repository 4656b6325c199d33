# syntax=docker/dockerfile:1
# The equigrid CLI (submit, status, trials, nodes, results, pull, report, train, ...).
#   docker build -f deploy/docker/cli.Dockerfile -t equigrid-cli:dev .        (from the repository root)
#   docker run --rm -e EQUIGRID_TOKEN -v "$PWD/studies:/studies:ro" equigrid-cli:dev submit /studies/default.yaml --gateway HOST:30000
# Same distribution in both stages: the TorchSharp native-library fix runs at publish time against the build stage's
# libstdc++ (see deploy/docker/silo.Dockerfile).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY build/ build/
COPY data/ data/
COPY src/ src/
RUN dotnet publish src/Client/EquiGrid.Client.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
WORKDIR /home/app
ENTRYPOINT ["dotnet", "/app/equigrid.dll"]
