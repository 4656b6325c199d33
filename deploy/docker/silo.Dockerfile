# syntax=docker/dockerfile:1
# The EquiGrid silo (cluster profile host + its worker + the trial runner it starts for every attempt).
#   docker build -f deploy/docker/silo.Dockerfile -t equigrid-silo:dev .        (from the repository root)
# Both stages use the same distribution on purpose: `dotnet publish` runs the TorchSharp native-library fix
# (build/TorchSharpNativeFix.targets), which patches libLibTorchSharp.so only when the BUILD stage's libstdc++ lacks
# GLIBCXX_3.4.32; the runtime stage must have that same libstdc++ for the decision to hold.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY build/ build/
COPY data/ data/
COPY src/ src/
# The runner goes next to the silo: the worker's default EquiGrid:Worker:RunnerPath is AppContext.BaseDirectory.
RUN dotnet publish src/Silo/EquiGrid.Silo.csproj -c Release -o /app --nologo \
 && dotnet publish src/TrialRunner/EquiGrid.TrialRunner.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble
WORKDIR /app
COPY --from=build /app ./
# Attempt working files; mount a volume (emptyDir in Kubernetes) here.
RUN mkdir -p /work && chown "$APP_UID" /work
USER $APP_UID
ENV EquiGrid__Profile=cluster \
    EquiGrid__Worker__WorkDir=/work \
    EquiGrid__Telemetry__PrometheusPort=9464 \
    EquiGrid__Telemetry__PrometheusHost=*
# 11111 silo-to-silo, 30000 client gateway, 9464 Prometheus /metrics
EXPOSE 11111 30000 9464
ENTRYPOINT ["dotnet", "EquiGrid.Silo.dll"]
