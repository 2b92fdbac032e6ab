// The version every executable prints and where `streamscope --demo` finds the shop's services:
// the installed layout (bin/../libexec/streamscope) before the build tree (next to streamscope),
// only a directory holding all three, and an error naming each directory tried and what lacked.

#include "ServiceProcess.h"
#include "ShopDemo.h"
#include "Version.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace streamscope;

namespace {

void makeExecutable(const QString &path) {
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("#!/bin/sh\n");
    f.close();
    QVERIFY(f.setPermissions(f.permissions() | QFileDevice::ExeOwner));
}

} // namespace

class TestVersion : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void versionNamesTheCommit() {
        const QString v = streamscopeVersion();
        QVERIFY2(
            QRegularExpression(QStringLiteral(R"(^\d+\.\d+\.\d+ \(git ([0-9a-f]{7,}|unknown)\)$)"))
                .match(v)
                .hasMatch(),
            qPrintable(v));
        QVERIFY(v.startsWith(QStringLiteral(STREAMSCOPE_VERSION " (git ") + streamscopeCommit()));
        QCOMPARE(versionLine(QStringLiteral("order-service")),
                 QStringLiteral("order-service ") + v + QLatin1Char('\n'));
    }

    // Every executable of the build says the same, each with its own name.
    void everyExecutableSaysTheSame() {
        for (const QString &program :
             {QStringLiteral("streamscope"), QStringLiteral("streamscope-cli"),
              QStringLiteral("order-service"), QStringLiteral("payment-service"),
              QStringLiteral("notification-service")}) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
            p.setProcessEnvironment(env);
            p.start(test::binDir() + QLatin1Char('/') + program, {QStringLiteral("--version")});
            QVERIFY2(p.waitForFinished(30000), qPrintable(program));
            QCOMPARE(p.exitCode(), 0);
            QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()), versionLine(program));
        }
    }

    void installedLayoutFirst() {
        QTemporaryDir root;
        const QString bin = root.filePath(QStringLiteral("usr/bin"));
        const QString libexec = root.filePath(QStringLiteral("usr/libexec/streamscope"));
        QDir().mkpath(bin);
        const QStringList dirs = shop::ShopDemo::serviceDirs(bin);
        QCOMPARE(dirs, (QStringList{QDir::cleanPath(libexec), QDir::cleanPath(bin)}));
        // Both have them: the installed ones win.
        for (const QString &p : shop::ShopDemo::servicePrograms()) {
            makeExecutable(QDir(libexec).filePath(p));
            makeExecutable(QDir(bin).filePath(p));
        }
        auto found = shop::ShopDemo::findServices(dirs);
        QVERIFY(found.ok());
        QCOMPARE(found.value(), QDir(libexec).absolutePath());
    }

    void buildTreeNextToTheExecutable() {
        QTemporaryDir root;
        const QString bin = root.filePath(QStringLiteral("build/bin"));
        for (const QString &p : shop::ShopDemo::servicePrograms())
            makeExecutable(QDir(bin).filePath(p));
        auto found = shop::ShopDemo::findServices(shop::ShopDemo::serviceDirs(bin));
        QVERIFY(found.ok());
        QCOMPARE(found.value(), QDir(bin).absolutePath());
    }

    // One missing in the installed directory: not a mix of two installations, and the error
    // says what was missing where.
    void missingNamesEachPathTried() {
        QTemporaryDir root;
        const QString bin = root.filePath(QStringLiteral("usr/bin"));
        const QString libexec = root.filePath(QStringLiteral("usr/libexec/streamscope"));
        QDir().mkpath(bin);
        makeExecutable(QDir(libexec).filePath(QStringLiteral("order-service")));
        makeExecutable(QDir(libexec).filePath(QStringLiteral("payment-service")));
        auto found = shop::ShopDemo::findServices(shop::ShopDemo::serviceDirs(bin));
        QVERIFY(!found.ok());
        const QString message = found.error().message;
        QVERIFY2(message.contains(QDir::cleanPath(libexec)
                                  + QStringLiteral(" (missing: notification-service)")),
                 qPrintable(message));
        QVERIFY2(message.contains(QDir::cleanPath(bin) + QStringLiteral(" (no service there)")),
                 qPrintable(message));
        // Not executable is not there.
        QFile::setPermissions(QDir(libexec).filePath(QStringLiteral("payment-service")),
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        found = shop::ShopDemo::findServices({libexec});
        QVERIFY(!found.ok());
        QVERIFY2(found.error().message.contains(
                     QStringLiteral("missing: payment-service, notification-service")),
                 qPrintable(found.error().message));
    }
};

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"
