// The value window's JSON: the text and the tree keep numbers exactly as written and members in
// their order (QJsonDocument rounded 12345678901234567890 to ...67000 and sorted the members).
#include "ValueDialog.h"

#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

using namespace streamscope;

class TestValueDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void jsonKeepsNumbersAndOrder() {
        ValueDialog dialog(QStringLiteral("v"),
                           R"({"z":12345678901234567890,"a":[1.50,-0e7],"z":{"k":"v"}})",
                           valueformat::Format::Json);
        QSignalSpy ready(&dialog, &ValueDialog::ready);
        QVERIFY(dialog.isReady() || ready.wait(10000));
        QVERIFY2(dialog.shownText().contains(QLatin1String("\"z\": 12345678901234567890")),
                 qPrintable(dialog.shownText()));
        QTreeWidgetItem *root = dialog.tree()->topLevelItem(0);
        QVERIFY(root);
        QCOMPARE(root->text(1), QStringLiteral("{3}"));
        QCOMPARE(root->childCount(), 3);
        QCOMPARE(root->child(0)->text(0), QStringLiteral("z"));
        QCOMPARE(root->child(0)->text(1), QStringLiteral("12345678901234567890"));
        QCOMPARE(root->child(1)->text(0), QStringLiteral("a"));
        QCOMPARE(root->child(1)->child(0)->text(1), QStringLiteral("1.50"));
        QCOMPARE(root->child(1)->child(1)->text(1), QStringLiteral("-0e7"));
        QCOMPARE(root->child(2)->text(0), QStringLiteral("z")); // the repeated name, kept
        QCOMPARE(root->child(2)->child(0)->text(1), QStringLiteral("\"v\""));
    }
};

QTEST_MAIN(TestValueDialog)
#include "tst_valuedialog.moc"
