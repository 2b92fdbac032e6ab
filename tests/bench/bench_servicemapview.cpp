// How long the service map view takes to show an update, for the demo shop and for 50 streams
// (10 producers, 100 groups): the first map (items made, laid out, fitted) and then updates with
// new rates (items changed in place), each followed by a synchronous repaint of the viewport, as
// the GUI thread pays it once per poll. Printed beside a 16 ms budget (one frame at 60 Hz).
//
//   QT_QPA_PLATFORM=offscreen build/bin/bench_servicemapview [updates]
#include "Palette.h"
#include "ServiceMapSamples.h"
#include "ServiceMapView.h"

#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace streamscope;
using namespace streamscope::test;

namespace {

constexpr double budgetMs = 16.0;

struct Figures {
    double first = 0, median = 0, p95 = 0, worst = 0, setMapMedian = 0;
};

Figures measure(const std::function<ServiceMap(double)> &make, int updates) {
    ServiceMapView view;
    view.resize(1400, 900);
    view.show();
    QApplication::processEvents();
    Freshness f;
    f.state = Freshness::State::Current;
    f.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch();
    view.setFreshness(f);
    // The maps are made before timing: the builder's cost is the model's benchmark.
    std::vector<ServiceMap> maps;
    maps.reserve(updates);
    for (int i = 0; i < updates; ++i)
        maps.push_back(make(1.0 + (i % 10) * 0.37));

    Figures out;
    QElapsedTimer clock;
    clock.start();
    view.setMap(make(1.0));
    view.graphicsView()->viewport()->repaint();
    out.first = clock.nsecsElapsed() / 1e6;

    std::vector<double> total, setMapOnly;
    for (const ServiceMap &map : maps) {
        clock.restart();
        view.setMap(map);
        const double afterSet = clock.nsecsElapsed() / 1e6;
        view.graphicsView()->viewport()->repaint();
        total.push_back(clock.nsecsElapsed() / 1e6);
        setMapOnly.push_back(afterSet);
        QApplication::processEvents();
    }
    std::sort(total.begin(), total.end());
    std::sort(setMapOnly.begin(), setMapOnly.end());
    out.median = total.at(total.size() / 2);
    out.p95 = total.at(std::min(total.size() - 1, total.size() * 95 / 100));
    out.worst = total.back();
    out.setMapMedian = setMapOnly.at(setMapOnly.size() / 2);
    return out;
}

void print(const char *name, const ServiceMap &sample, const Figures &f) {
    std::printf(
        "%-10s %3lld nodes %3lld edges  first %6.2f ms  update: setMap %5.2f ms, "
        "with repaint median %5.2f ms, p95 %5.2f ms, worst %5.2f ms  (budget %.0f ms: %s)\n",
        name, static_cast<long long>(sample.nodes.size()),
        static_cast<long long>(sample.edges.size()), f.first, f.setMapMedian, f.median, f.p95,
        f.worst, budgetMs, f.p95 <= budgetMs ? "within" : "OVER");
}

} // namespace

int main(int argc, char **argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(lightPalette());
    const int updates = argc > 1 ? std::max(10, atoi(argv[1])) : 200;
    std::printf("service map view, %d updates each, 1400x900 window (offscreen)\n", updates);
    print("shop", shopMap(), measure([](double r) { return shopMap(r); }, updates));
    print("50 streams", fiftyStreamsMap(),
          measure([](double r) { return fiftyStreamsMap(r); }, updates));
    return 0;
}
