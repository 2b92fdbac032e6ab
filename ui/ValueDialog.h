#pragma once

#include "ValueFormat.h"

#include <QDialog>
#include <QFutureWatcher>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;

namespace streamscope {

// One value, whole: formatted (text, JSON, MessagePack as JSON, hex) off the GUI thread so a
// 16 MB value never freezes the window, a collapsible tree for JSON and MessagePack, and the
// exact bytes to copy or save.
class ValueDialog : public QDialog {
    Q_OBJECT
public:
    ValueDialog(QString title, QByteArray value, valueformat::Format format,
                QWidget *parent = nullptr);

    // Formatting runs on a worker; this says when the text is in place.
    bool isReady() const { return m_ready; }
    QString shownText() const;
    QTreeWidget *tree() const { return m_tree; }
    static constexpr qsizetype maxTreeBytes = 4 * 1024 * 1024;
    static constexpr qsizetype maxHexBytes = 4 * 1024 * 1024;
    static constexpr int maxLineChars = 4000; // longer lines are broken for display only

Q_SIGNALS:
    void ready();

private:
    struct Formatted {
        QString text;
        QString note;
        QByteArray json; // for the tree: JSON text, when the value is JSON or MessagePack
    };
    static Formatted format(const QByteArray &value, valueformat::Format format);
    void start();
    void showFormatted(const Formatted &formatted);
    void fillTree(const QByteArray &json);
    void appendSlice(int generation);

    QByteArray m_value;
    QComboBox *m_format;
    QPlainTextEdit *m_text;
    QTreeWidget *m_tree;
    QTabWidget *m_tabs;
    QLabel *m_note;
    QFutureWatcher<Formatted> m_watcher;
    bool m_ready = false;
    QString m_pending; // formatted text not yet in the widget
    qsizetype m_pendingAt = 0;
    int m_generation = 0;
};

} // namespace streamscope
