using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MLNetAttn.Zoo;

namespace MLNetAttn.Cli.Commands;

/// <summary><c>mlnetattn zoo ...</c>: the model registry.</summary>
internal static class ZooCommand
{
    public static Command Create() => new("zoo", "List the models the zoo can convert.") { CreateList() };

    private static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per model card instead of a table." };
        var command = new Command("list", "List every model card: input size, eval preprocessing, weights, top-1, parameters.") { json };
        command.SetAction(result =>
        {
            if (result.GetValue(json))
            {
                foreach (var card in ModelZoo.All)
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        name = card.Name, family = card.Family.ToString(), input_size = card.InputSize, resize_size = card.ResizeSize,
                        crop_pct = card.CropPct, interpolation = card.Interpolation.ToString().ToLowerInvariant(), mean = card.Mean, std = card.Std,
                        url = card.Url, weights_released = card.WeightsReleased, top1 = card.Top1, parameters = card.Parameters, gmacs = card.GMacs,
                        license = card.License, notes = card.Notes,
                    }));
                return 0;
            }
            Console.WriteLine($"{"name",-28} {"input",5} {"resize",6} {"crop",5} {"top-1",6} {"params",12} {"weights",-8}");
            foreach (var card in ModelZoo.All)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{card.Name,-28} {card.InputSize,5} {card.ResizeSize,6} {card.CropPct,5:0.###} {card.Top1?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-",6} {card.Parameters,12:N0} {(card.WeightsReleased ? "yes" : "none"),-8}"));
            return 0;
        });
        return command;
    }
}
