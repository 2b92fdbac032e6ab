#include "ServiceOptions.h"

#include "ConnectionOptions.h"
#include "Version.h"

#include <QCoreApplication>

#include <cstdio>
#include <functional>

namespace streamscope::shop {

void addCommonOptions(QCommandLineParser &parser, bool consumer) {
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::LongOnly));
    if (!consumer)
        return;
    parser.addOptions({
        {QStringLiteral("claim-idle-ms"),
         QStringLiteral("Claim entries other consumers left idle this long (default 30000)."),
         QStringLiteral("MS"), QStringLiteral("30000")},
        {QStringLiteral("max-deliveries"),
         QStringLiteral("Dead-letter a message after this many failed deliveries (default 5)."),
         QStringLiteral("N"), QStringLiteral("5")},
        {QStringLiteral("retry-ms"),
         QStringLiteral("Retry a failed message after this long (default 1000)."),
         QStringLiteral("MS"), QStringLiteral("1000")},
        {QStringLiteral("crash-after"),
         QStringLiteral("Fault switch: exit abruptly after receiving N messages, leaving its "
                        "pending entries behind."),
         QStringLiteral("N")},
        {QStringLiteral("stall-after"),
         QStringLiteral("Fault switch: stay connected but stop consuming after N messages."),
         QStringLiteral("N")},
        {QStringLiteral("slow-ms"), QStringLiteral("Fault switch: spend MS on each message."),
         QStringLiteral("MS")},
    });
}

Result<ConnectionSettings> settingsFrom(const QCommandLineParser &parser,
                                        const QString &clientName) {
    auto settings = ConnectionOptions::settingsFrom(parser, ConnectionOptions::Letters::LongOnly);
    if (!settings.ok())
        return settings.error();
    settings->clientName = clientName;
    return settings;
}

Error applyConsumerOptions(const QCommandLineParser &parser, GroupConsumer::Options *options) {
    struct Knob {
        const char *name;
        bool allowZero;
        std::function<void(qint64)> set;
    };
    const QList<Knob> knobs{
        {"claim-idle-ms", false, [&](qint64 v) { options->claimIdleMs = int(v); }},
        {"max-deliveries", false, [&](qint64 v) { options->maxDeliveries = int(v); }},
        {"retry-ms", true, [&](qint64 v) { options->retryMs = int(v); }},
        {"crash-after", false, [&](qint64 v) { options->crashAfter = v; }},
        {"stall-after", true, [&](qint64 v) { options->stallAfter = v; }},
        {"slow-ms", true, [&](qint64 v) { options->slowMs = int(v); }},
    };
    for (const Knob &k : knobs) {
        const QString name = QString::fromLatin1(k.name);
        if (!parser.isSet(name) && parser.value(name).isEmpty())
            continue;
        qint64 v = 0;
        if (!parsePositive(parser.value(name), &v, k.allowZero) || v > 1000000000)
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("--%1: \"%2\" is not a whole number%3")
                             .arg(name, parser.value(name),
                                  k.allowZero ? QStringLiteral(" >= 0") : QStringLiteral(" > 0")));
        k.set(v);
    }
    return {};
}

int runConsumerService(
    const QCommandLineParser &parser, const ConsumerService &service,
    const std::function<Result<std::unique_ptr<MessageHandler>>(const ServiceLog &)> &makeHandler) {
    const QByteArray prefix = service.name.toUtf8() + ": ";
    QString clientName = service.name + QLatin1Char(':') + service.consumer;
    if (!service.produces.isEmpty())
        clientName += QLatin1Char('>') + QString::fromUtf8(service.produces);
    auto settings = settingsFrom(parser, clientName);
    if (!settings.ok()) {
        std::fprintf(stderr, "%s%s\n", prefix.constData(), qPrintable(settings.error().message));
        return 2;
    }
    GroupConsumer::Options options;
    options.stream = service.stream;
    options.group = service.group;
    options.consumer = service.consumer.toUtf8();
    if (Error e = applyConsumerOptions(parser, &options)) {
        std::fprintf(stderr, "%s%s\n", prefix.constData(), qPrintable(e.message));
        return 2;
    }
    const ServiceLog log(QStringLiteral("%1[%2]").arg(service.name, service.consumer));
    auto handler = makeHandler(log);
    if (!handler.ok()) {
        log.info(handler.error().message);
        return 1;
    }
    const std::atomic<bool> &stop = installStopSignals();
    GroupConsumer consumer(settings.value(), options, handler.value().get(), log);
    return consumer.run(stop);
}

int parseOrExit(QCommandLineParser &parser, const QStringList &args) {
    if (!parser.parse(args)) {
        std::fprintf(stderr, "%s\nRun with --help for usage.\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::fputs(qPrintable(versionLine(QCoreApplication::applicationName())), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "unexpected argument \"%s\"\nRun with --help for usage.\n",
                     qPrintable(parser.positionalArguments().first()));
        return 2;
    }
    return -1;
}

} // namespace streamscope::shop
